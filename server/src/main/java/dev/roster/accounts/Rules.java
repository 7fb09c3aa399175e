package dev.roster.accounts;

import dev.roster.platform.errors.Violations;
import java.util.regex.Pattern;

/**
 * The accounts context's rules for field values. Field names are the resource's own (snake_case);
 * the RPC layer nests them under the request field that carried the resource.
 */
final class Rules {
  static final int SLUG_MIN = 3;
  static final int SLUG_MAX = 63;
  static final int EMAIL_MAX = 254;
  static final int EMAIL_LOCAL_MAX = 64;
  static final int DISPLAY_NAME_MAX = 200;

  private static final Pattern SLUG = Pattern.compile("[a-z](?:[a-z0-9-]*[a-z0-9])?");
  // Deliberately narrower than RFC 5322: a dot-atom local part and a domain of DNS labels with at
  // least one dot. Quoted local parts and IP-literal domains are refused; nobody registers them.
  private static final Pattern EMAIL = Pattern.compile(
      "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
          + "@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+"
          + "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

  private Rules() {}

  /** A slug or handle: 3..63 of [a-z0-9-], starting with a letter, not ending with a hyphen. */
  static void slug(Violations v, String field, String value) {
    if (value == null || value.isEmpty()) {
      v.add(field, "FIELD_REQUIRED", "is required");
    } else if (value.length() < SLUG_MIN || value.length() > SLUG_MAX) {
      v.add(field, "INVALID_LENGTH", "must be " + SLUG_MIN + " to " + SLUG_MAX
          + " characters long, got " + value.length());
    } else if (!SLUG.matcher(value).matches()) {
      v.add(field, "INVALID_FORMAT", "must be lower-case letters, digits and hyphens, start with a"
          + " letter and not end with a hyphen");
    }
  }

  static void email(Violations v, String field, String value) {
    if (value == null || value.isEmpty()) {
      v.add(field, "FIELD_REQUIRED", "is required");
    } else if (value.length() > EMAIL_MAX) {
      v.add(field, "INVALID_LENGTH", "must be at most " + EMAIL_MAX + " characters long, got "
          + value.length());
    } else if (!EMAIL.matcher(value).matches() || value.indexOf('@') > EMAIL_LOCAL_MAX) {
      v.add(field, "INVALID_FORMAT", "must be an email address such as ada@example.com");
    }
  }

  /** Optional free text for display: bounded, and free of characters that corrupt logs or spoof text. */
  static void displayName(Violations v, String field, String value) {
    if (value == null) {
      return;
    }
    int length = value.codePointCount(0, value.length());
    if (length > DISPLAY_NAME_MAX) {
      v.add(field, "INVALID_LENGTH", "must be at most " + DISPLAY_NAME_MAX
          + " characters long, got " + length);
    } else if (value.codePoints().anyMatch(Rules::forbiddenInText)) {
      v.add(field, "INVALID_CHARACTERS", "must not contain control, line-separator or"
          + " bidirectional-override characters");
    }
  }

  private static boolean forbiddenInText(int cp) {
    int type = Character.getType(cp);
    return type == Character.CONTROL
        || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR
        || type == Character.SURROGATE
        || (cp >= 0x202A && cp <= 0x202E)
        || (cp >= 0x2066 && cp <= 0x2069);
  }
}
