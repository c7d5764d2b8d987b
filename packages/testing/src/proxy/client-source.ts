/**
 * The source name of a test's own clients in a cluster's proxy network: clients dial brokers
 * through links from this source, which faults leave alone unless a test names it.
 */
export const CLIENT_SOURCE = 'client';
