package dev.roster.mail;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;

/**
 * For development without an SMTP server: writes each message as an .eml file (open it in any mail
 * program) named after its Message-ID, so a resend overwrites the same file instead of adding one.
 */
public final class EmlFileMailer implements Mailer {
  private final Path directory;
  private final String from;
  private final Session session = Session.getInstance(new Properties());

  public EmlFileMailer(Path directory, String from) {
    this.directory = directory;
    this.from = from;
  }

  @Override
  public void send(Email email) {
    try {
      Files.createDirectories(directory);
      Path target = directory.resolve(email.messageId().replaceAll("[^A-Za-z0-9._-]", "_") + ".eml");
      Path partial = Files.createTempFile(directory, ".sending-", ".eml");
      try (OutputStream out = Files.newOutputStream(partial)) {
        Messages.build(session, from, email).writeTo(out);
      }
      Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | MessagingException e) {
      throw new MailException("could not write the message for " + email.to(), e);
    }
  }

  /** Where the messages go. */
  public Path directory() {
    return directory;
  }
}
