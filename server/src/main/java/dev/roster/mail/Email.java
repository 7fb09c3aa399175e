package dev.roster.mail;

/**
 * A plain-text email.
 *
 * @param to the recipient's address
 * @param subject the subject line
 * @param text the body
 * @param messageId a stable id for this message (without angle brackets), so a resend after a
 *     crash carries the same Message-ID and can be recognised as a duplicate
 */
public record Email(String to, String subject, String text, String messageId) {}
