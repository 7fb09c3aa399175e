package dev.roster.jobs;

/**
 * Runs one kind of job. Delivery is at least once: a job whose worker died, or whose outcome could
 * not be recorded, runs again, so a handler must be idempotent (safe to run twice for the same
 * job id). Throwing fails the attempt (the job is retried with backoff until its attempts run
 * out). A handler that runs past its timeout is interrupted, and should stop when it is.
 */
@FunctionalInterface
public interface JobHandler {
  void perform(Job job) throws Exception;
}
