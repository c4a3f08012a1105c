"""Stores for the Rasa server that Rasa's own do not provide safely enough."""
