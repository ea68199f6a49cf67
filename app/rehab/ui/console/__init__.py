"""The therapist console's views; each receives the model it shows and a translator."""
