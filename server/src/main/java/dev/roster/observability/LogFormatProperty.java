package dev.roster.observability;

import ch.qos.logback.core.PropertyDefinerBase;
import java.util.Locale;

/**
 * Tells logback.xml which format {@code ROSTER_LOG_FORMAT} names, hence which of
 * {@code logback-json.xml} and {@code logback-text.xml} it includes: {@code json}, or {@code text}
 * otherwise. Logback's variable substitution alone would take the value verbatim, so {@code JSON},
 * {@code " json"} or an empty value (which RosterConfig accepts, the last as unset) would name no
 * file and silence every log line. A value that is neither (which RosterConfig
 * refuses at start, with a message on stderr) gets text meanwhile.
 */
public final class LogFormatProperty extends PropertyDefinerBase {
  private String value;

  /** The variable's value, as logback.xml substitutes it; may be empty. */
  public void setValue(String value) {
    this.value = value;
  }

  @Override
  public String getPropertyValue() {
    return value != null && value.trim().toLowerCase(Locale.ROOT).equals("json") ? "json" : "text";
  }
}
