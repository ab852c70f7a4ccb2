"""Japanese NLU components for Rasa (the only part of ``bot`` that imports Rasa).

Rasa imports this package when it loads our model, which is also where the Rasa server
gets its one behaviour-preserving speed-up (``bot/rasa_speedups.py``).
"""

from bot import rasa_speedups

rasa_speedups.apply()
