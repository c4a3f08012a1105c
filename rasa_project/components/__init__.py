"""Custom Rasa graph components of the public-service chatbot."""
