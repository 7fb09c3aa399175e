package dev.roster.rpc;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.FieldMask;
import dev.roster.platform.errors.InvalidArgumentException;
import dev.roster.platform.errors.Violations;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/** Resolves an AIP-134 update mask into the set of resource fields an update changes. */
final class UpdateMasks {
  private UpdateMasks() {}

  /**
   * @param mask the request's mask, or null when the request has none
   * @param resource the resource message's descriptor, to tell unknown fields from read-only ones
   * @param updatable the fields callers may change
   * @param populated whether a field is set in the request's resource (used when there is no mask)
   * @return the fields to change
   * @throws InvalidArgumentException naming {@code update_mask} for unknown or read-only paths
   */
  static Set<String> resolve(FieldMask mask, Descriptor resource, List<String> updatable,
      Predicate<String> populated) {
    Set<String> fields = new LinkedHashSet<>();
    if (mask == null || mask.getPathsCount() == 0) {
      updatable.stream().filter(populated).forEach(fields::add);
      return fields;
    }
    Violations v = new Violations();
    for (String path : mask.getPathsList()) {
      if (path.equals("*")) {
        if (mask.getPathsCount() > 1) {
          v.add("update_mask", "INVALID_UPDATE_MASK", "\"*\" must be the only path");
        }
        fields.addAll(updatable);
      } else if (updatable.contains(path)) {
        fields.add(path);
      } else if (resource.findFieldByName(path) != null) {
        v.add("update_mask", "FIELD_NOT_UPDATABLE", "\"" + path + "\" cannot be updated; updatable"
            + " fields are " + String.join(", ", updatable));
      } else {
        v.add("update_mask", "UNKNOWN_FIELD", "\"" + shorten(path) + "\" is not a field of "
            + resource.getName() + "; updatable fields are " + String.join(", ", updatable));
      }
    }
    v.throwIfAny();
    return fields;
  }

  private static String shorten(String path) {
    String clean = path.replaceAll("\\p{Cntrl}", "?");
    return clean.length() > 64 ? clean.substring(0, 64) + "..." : clean;
  }
}
