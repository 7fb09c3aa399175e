package dev.roster.mail;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;

/** Sends over SMTP with Jakarta Mail (Angus), with timeouts so a dead server cannot hang a worker. */
public final class SmtpMailer implements Mailer {
  private final Session session;
  private final String from;
  private final Optional<String> username;
  private final String password;

  /**
   * @param host SMTP server
   * @param port its port (587 for submission with STARTTLS, or 25); implicit TLS (465) is not
   *     supported
   * @param startTls require STARTTLS before authenticating
   * @param username login, if the server wants one
   * @param password its password
   * @param from the sender address
   * @param timeout connect, read and write timeout
   */
  public SmtpMailer(String host, int port, boolean startTls, Optional<String> username,
      String password, String from, Duration timeout) {
    Properties props = new Properties();
    props.put("mail.smtp.host", host);
    props.put("mail.smtp.port", Integer.toString(port));
    props.put("mail.smtp.auth", Boolean.toString(username.isPresent()));
    props.put("mail.smtp.starttls.enable", Boolean.toString(startTls));
    props.put("mail.smtp.starttls.required", Boolean.toString(startTls));
    String millis = Long.toString(timeout.toMillis());
    props.put("mail.smtp.connectiontimeout", millis);
    props.put("mail.smtp.timeout", millis);
    props.put("mail.smtp.writetimeout", millis);
    this.session = Session.getInstance(props);
    this.from = from;
    this.username = username;
    this.password = password;
  }

  @Override
  public void send(Email email) {
    try {
      var message = Messages.build(session, from, email);
      if (username.isPresent()) {
        Transport.send(message, username.get(), password);
      } else {
        Transport.send(message);
      }
    } catch (MessagingException e) {
      throw new MailException("could not send to " + email.to() + ": " + e.getMessage(), e);
    }
  }
}
