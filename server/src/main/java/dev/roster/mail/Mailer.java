package dev.roster.mail;

/** Sends email. Implementations: {@link SmtpMailer}, and {@link EmlFileMailer} for development. */
public interface Mailer {
  /**
   * Sends one message.
   *
   * @throws MailException when the message could not be handed over (the job is retried)
   */
  void send(Email email);

  /** A failure to send; the cause says why. */
  final class MailException extends RuntimeException {
    public MailException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
