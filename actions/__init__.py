"""Custom actions of the action server (rasa-sdk). Thin: call services, format replies."""
