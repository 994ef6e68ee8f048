"""The teacher's tool: writes the student, nbgrader and instructor versions of the notebooks.

Its command is ``nnlesson-assign``; it needs the ``teacher`` extra (nbformat).
"""
