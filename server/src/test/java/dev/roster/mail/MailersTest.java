package dev.roster.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
