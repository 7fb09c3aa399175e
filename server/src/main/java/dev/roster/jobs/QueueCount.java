package dev.roster.jobs;

/** How many jobs of a queue are in a state, for metrics. */
public record QueueCount(String queue, JobState state, long count) {}
