package dev.roster.access;

/**
 * A token-bucket rate limit.
 *
 * @param perSecond sustained requests per second
 * @param burst requests that may be made at once after a quiet period
 */
public record RateLimit(int perSecond, int burst) {}
