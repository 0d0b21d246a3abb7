"""The assistant's machine-learning core: language identification, sentence embeddings,
hybrid article retrieval, the answer/hand-off decision, intent classification and the
sentiment/urgency/spam signals.

Pure Python and numpy (scikit-learn to fit linear models); no Django models. Every model
comes from an installed PyPI package and loads offline; nothing is fetched at run time.
See docs/assistant-evaluation.md for the choices and their measurements.
"""
