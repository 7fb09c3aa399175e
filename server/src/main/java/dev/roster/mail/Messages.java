package dev.roster.mail;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.util.Date;

/** Builds MIME messages with a fixed Message-ID. */
final class Messages {
  private Messages() {}

  static MimeMessage build(Session session, String from, Email email) throws MessagingException {
    MimeMessage message = new MimeMessage(session) {
      @Override
      protected void updateMessageID() throws MessagingException {
        setHeader("Message-ID", "<" + email.messageId() + ">");
      }
    };
    message.setFrom(new InternetAddress(from));
    message.setRecipient(MimeMessage.RecipientType.TO, new InternetAddress(email.to()));
    message.setSubject(email.subject(), StandardCharsets.UTF_8.name());
    message.setText(email.text(), StandardCharsets.UTF_8.name());
    message.setSentDate(new Date());
    message.saveChanges();
    return message;
  }
}
