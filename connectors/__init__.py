"""Channel connectors for the Rasa server (Telegram, Zalo). REST and socket.io are Rasa's own."""
