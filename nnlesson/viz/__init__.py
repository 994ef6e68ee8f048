"""The pictures: plots (``plot``), the graph drawing (``graph_draw``), the explorers with their
sliders (``explorers``) and the experiments they show (``experiments``, numpy only), and the live
playground (``playground``). For the author: the figure checker (``figlint``); inside: the PNG
encoder (``_png``).

They need the course extras (matplotlib, ipywidgets); the core (``nnlesson``) never imports them.
Import the module you use: ``from nnlesson.viz import plot as nlplot``,
``from nnlesson.viz.explorers import dropout_explorer``.
"""
