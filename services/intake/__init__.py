"""Intake (收件/受理): the window at the receiving site."""
