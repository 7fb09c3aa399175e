package dev.roster.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class MailersTest {
  @RegisterExtension
  static GreenMailExtension smtp = new GreenMailExtension(new ServerSetup(0, "127.0.0.1", "smtp"));

  @TempDir Path dir;

  @Test
  void smtp_deliversWithStableMessageId() throws Exception {
    int port = smtp.getSmtp().getPort();
    Mailer mailer = new SmtpMailer("127.0.0.1", port, false, Optional.empty(), "", "roster@example.com",
        Duration.ofSeconds(5));
    mailer.send(new Email("ada@example.com", "Welcome, Ada", "Hello Zoë", "welcome.123@roster"));

    assertThat(smtp.waitForIncomingEmail(5000, 1)).isTrue();
    MimeMessage received = smtp.getReceivedMessages()[0];
    assertThat(received.getSubject()).isEqualTo("Welcome, Ada");
    assertThat(received.getMessageID()).isEqualTo("<welcome.123@roster>");
    assertThat(received.getAllRecipients()[0].toString()).isEqualTo("ada@example.com");
    assertThat(((String) received.getContent()).trim()).isEqualTo("Hello Zoë");
  }

  @Test
  void smtp_unreachable_failsWithMailException() {
    Mailer mailer = new SmtpMailer("127.0.0.1", 1, false, Optional.empty(), "", "roster@example.com",
        Duration.ofSeconds(2));
    assertThatThrownBy(() -> mailer.send(new Email("a@example.com", "s", "t", "x@roster")))
        .isInstanceOf(Mailer.MailException.class);
  }

  @Test
  void eml_failedWrite_leavesNoTemporaryFile() throws Exception {
    EmlFileMailer mailer = new EmlFileMailer(dir.resolve("mail"), "roster@localhost");
    // The message's place is taken by a non-empty directory: the rename at the end fails.
    Path blocked = Files.createDirectories(dir.resolve("mail/welcome.u2_roster.eml/x"));
    assertThatThrownBy(() -> mailer.send(new Email("a@example.com", "s", "t", "welcome.u2@roster")))
        .isInstanceOf(Mailer.MailException.class);
    assertThat(blocked).exists();
    try (Stream<Path> files = Files.list(dir.resolve("mail"))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactly("welcome.u2_roster.eml");
    }
  }

  @Test
  void eml_sweep_deletesOnlyTemporaryFilesOlderThanTenMinutes() throws Exception {
    Path mail = Files.createDirectories(dir.resolve("mail"));
    Instant now = Instant.parse("2030-01-01T12:00:00Z");
    Path stale = Files.createFile(mail.resolve(".sending-111.eml"));
    Files.setLastModifiedTime(stale, FileTime.from(now.minus(Duration.ofMinutes(11))));
    Path writing = Files.createFile(mail.resolve(".sending-222.eml"));
    Files.setLastModifiedTime(writing, FileTime.from(now.minus(Duration.ofMinutes(9))));
    Path sent = Files.createFile(mail.resolve("welcome.old_roster.eml"));
    Files.setLastModifiedTime(sent, FileTime.from(now.minus(Duration.ofDays(30))));

    int deleted = new EmlFileMailer(mail, "roster@localhost").sweep(Clock.fixed(now, ZoneOffset.UTC));

    assertThat(deleted).isEqualTo(1);
    assertThat(stale).doesNotExist();
    assertThat(writing).as("possibly another process's write in progress").exists();
    assertThat(sent).exists();
  }

  @Test
  void eml_writesOneFilePerMessageId() throws Exception {
    EmlFileMailer mailer = new EmlFileMailer(dir.resolve("mail"), "roster@localhost");
    Email email = new Email("ada@example.com", "Welcome", "Hi", "welcome.u1@roster");
    mailer.send(email);
    mailer.send(email);
    try (Stream<Path> files = Files.list(dir.resolve("mail"))) {
      assertThat(files.toList()).singleElement().satisfies(p -> {
        assertThat(p.getFileName().toString()).isEqualTo("welcome.u1_roster.eml");
        assertThat(Files.readString(p)).contains("Subject: Welcome").contains("Message-ID: <welcome.u1@roster>");
      });
    }
  }
}
