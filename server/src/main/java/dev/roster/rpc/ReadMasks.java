package dev.roster.rpc;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.FieldMask;
import dev.roster.platform.errors.Violations;
import java.util.LinkedHashSet;
import java.util.Set;

/** Turns an AIP-157 read mask into the set of resource fields to read (empty set: all of them). */
final class ReadMasks {
  private ReadMasks() {}

  /**
   * @throws dev.roster.platform.errors.InvalidArgumentException naming {@code read_mask} for a
   *     path that is not a field of the resource
   */
  static Set<String> fields(FieldMask mask, Descriptor resource) {
    Set<String> fields = new LinkedHashSet<>();
    if (mask.getPathsCount() == 0) {
      return fields;
    }
    Violations v = new Violations();
    boolean everything = false;
    for (String path : mask.getPathsList()) {
      if (path.equals("*")) {
        everything = true;
      } else if (resource.findFieldByName(path) == null) {
        String shown = path.replaceAll("\\p{Cntrl}", "?");
        v.add("read_mask", "UNKNOWN_FIELD", "\"" + (shown.length() > 64 ? shown.substring(0, 64)
            + "..." : shown) + "\" is not a field of " + resource.getName());
      } else if (!path.equals("name")) {
        fields.add(path);
      }
    }
    v.throwIfAny();
    if (everything) {
      return Set.of();
    }
    // Only "name" was asked for: read nothing more than the ids.
    return fields.isEmpty() ? Set.of("name") : fields;
  }
}
