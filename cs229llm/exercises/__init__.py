"""Exercises: the learner writes the core of a stage; :func:`check` compares it with the package's own.

:mod:`.core` holds the machinery (:class:`Exercise`, :func:`check`, :func:`use`); the modules
``nb00`` ... ``nb10`` hold each notebook's exercises and register them in :data:`EXERCISES`.
:mod:`.student` writes the student versions of the notebooks from ``solutions/``.
"""

from . import nb00, nb01, nb02, nb03, nb04, nb05, nb06, nb07, nb08, nb09, nb10  # noqa: F401 - they register
from .core import EXERCISES, Exercise, NotDone, check, register, use

__all__ = ["EXERCISES", "Exercise", "NotDone", "check", "register", "use"]
