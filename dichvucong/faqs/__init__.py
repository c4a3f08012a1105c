"""Frequently asked questions: official answers that officials keep current."""
