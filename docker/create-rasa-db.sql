-- Rasa's tracker store lives in its own database beside ours.
CREATE DATABASE rasa OWNER dichvucong;
