package dev.roster.planted.jobs;

/** VIOLATION (jobsInternalsStayPackagePrivate): the queue's store made public. */
public final class JobStore {
  public int size() {
    return 0;
  }
}
