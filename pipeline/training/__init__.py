"""The Chinese NER model's training, corpora and evaluation, and the benchmark: tools, never imported by a stage."""
