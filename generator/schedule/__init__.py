"""Schedules: the Kubernetes-exact cron parser, next runs, analysis, the week picture and the lint rules."""
