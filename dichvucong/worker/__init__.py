"""``dvc worker``: the background jobs (notifications, review summary sync, retention) on schedules."""
