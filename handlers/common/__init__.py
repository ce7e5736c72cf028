"""What every adapter shares at the edge: the words users read, rendered once from the core's
outcome values, for Slack, Discord and the console alike."""
