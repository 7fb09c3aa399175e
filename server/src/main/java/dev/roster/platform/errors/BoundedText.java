package dev.roster.platform.errors;

import java.nio.charset.StandardCharsets;

/**
 * Cuts text that goes into error trailers to a number of UTF-8 bytes. The whole error (status
 * message, ErrorInfo, BadRequest) travels in HTTP/2 trailers, and gRPC clients refuse trailers over
 * 8 KiB by default, reading the call as INTERNAL; so the limits are in bytes, not characters.
 */
public final class BoundedText {
  private static final String MORE = "...";

  private BoundedText() {}

  /**
   * {@code text} if it fits in {@code maxBytes} UTF-8 bytes, else its longest prefix that fits
   * with "..." appended, never cutting a character (or surrogate pair) in two.
   */
  public static String utf8(String text, int maxBytes) {
    if (text.length() * 3 <= maxBytes
        || text.getBytes(StandardCharsets.UTF_8).length <= maxBytes) {
      return text;
    }
    int budget = Math.max(0, maxBytes - MORE.length());
    int bytes = 0;
    int end = 0;
    while (end < text.length()) {
      int cp = text.codePointAt(end);
      int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (bytes + size > budget) {
        break;
      }
      bytes += size;
      end += Character.charCount(cp);
    }
    return text.substring(0, end) + MORE;
  }
}
