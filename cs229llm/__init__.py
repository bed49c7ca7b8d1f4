"""cs229llm: how large language models are really built, stage by stage.

The package follows one stream of data from a raw web crawl to an evaluated model
(data -> tokens -> training -> annealing -> evaluation). Each stage is a module; the
notebooks in ``notebooks/`` call these modules and never re-implement them.
"""

__version__ = "0.1.0"
