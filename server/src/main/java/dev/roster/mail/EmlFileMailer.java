package dev.roster.mail;

import dev.roster.platform.files.StaleFiles;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;

/**
 * For development without an SMTP server: writes each message as an .eml file (open it in any mail
 * program) named after its Message-ID, so a resend overwrites the same file instead of adding one.
 * Each message is first written to a temporary {@code .sending-*.eml} file, then renamed into place.
 */
public final class EmlFileMailer implements Mailer {
  /** The temporary files of messages being written. */
  static final String SENDING_GLOB = ".sending-*.eml";
  /**
   * Writing one message takes milliseconds, so a temporary file untouched for this long belongs to
   * a process that died mid-write, even with several processes (or hosts, whose clocks may differ
   * by a little) sharing the directory.
   */
  public static final Duration STALE_AFTER = Duration.ofMinutes(10);

  private final Path directory;
  private final String from;
  private final Session session = Session.getInstance(new Properties());

  public EmlFileMailer(Path directory, String from) {
    this.directory = directory;
    this.from = from;
  }

  @Override
  public void send(Email email) {
    Path partial = null;
    try {
      Files.createDirectories(directory);
      Path target = directory.resolve(email.messageId().replaceAll("[^A-Za-z0-9._-]", "_") + ".eml");
      partial = Files.createTempFile(directory, ".sending-", ".eml");
      try (OutputStream out = Files.newOutputStream(partial)) {
        Messages.build(session, from, email).writeTo(out);
      }
      Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      partial = null;
    } catch (IOException | MessagingException e) {
      throw new MailException("could not write the message for " + email.to(), e);
    } finally {
      deleteQuietly(partial);
    }
  }

  /**
   * Deletes the temporary files of writes that never finished (their process was killed) and
   * that are older than {@link #STALE_AFTER}; returns how many. Called when a worker starts.
   */
  public int sweep(Clock clock) {
    return StaleFiles.sweep(directory, SENDING_GLOB, STALE_AFTER, clock);
  }

  private static void deleteQuietly(Path partial) {
    if (partial != null) {
      try {
        Files.deleteIfExists(partial);
      } catch (IOException ignored) {
        // the send already fails with the first error; a leftover is swept at the next start
      }
    }
  }

  /** Where the messages go. */
  public Path directory() {
    return directory;
  }
}
