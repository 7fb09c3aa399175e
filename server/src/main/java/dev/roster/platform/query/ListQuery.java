package dev.roster.platform.query;

import java.util.Optional;
import java.util.Set;

/**
 * What a caller asks of a list, already whitelisted at the edge (page size bounded, page token's
 * signature and binding verified) but not yet interpreted: the context's {@link ListSpec} checks
 * {@code filter}, {@code orderBy} and the position against its own fields, before any read.
 *
 * @param pageSize rows wanted, 1..1000
 * @param filter AIP-160 filter text, empty for none
 * @param orderBy AIP-132 order_by text, empty for the default
 * @param showDeleted include soft-deleted rows
 * @param after the keyset position to continue after (from a page token), empty for page 1
 * @param fields resource fields to read (read mask); empty means all
 */
public record ListQuery(
    int pageSize,
    String filter,
    String orderBy,
    boolean showDeleted,
    Optional<Position> after,
    Set<String> fields) {}
