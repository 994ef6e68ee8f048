"""The pictures: plots (``plot``), the graph drawing (``graph_draw``), the explorers with their
sliders (``explorers``) and the live playground (``playground``).

They need the course extras (matplotlib, ipywidgets); the core (``nnlesson``) never imports them.
Import the module you use: ``from nnlesson.viz import plot as nlplot``,
``from nnlesson.viz.explorers import dropout_explorer``.
"""
