"""What operators see of Videoflix: JSON logs (logs), CloudWatch metrics (metrics), domain events (events)."""
