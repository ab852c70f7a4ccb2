"""Japanese NLU components for Rasa (the only part of ``bot`` that imports Rasa)."""
