"""Answers to citizens: which procedure, which aspect, and the reply text."""
