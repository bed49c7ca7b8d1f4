"""The course's domains, defined once: the generated crawl, its labels, mixtures and samplers all use this list."""

DOMAINS = ("code", "books", "encyclopedic", "news", "entertainment", "forums", "science", "shopping")
