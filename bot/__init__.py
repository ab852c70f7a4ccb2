"""The shop domain of the support bot: importable and testable without Rasa."""
