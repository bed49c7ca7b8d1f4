"""Safe widget callbacks: a learner sees a message, never a traceback.

``InputError`` (bad slider settings, an all-zero mixture) is shown as a friendly note in
an element with the CSS class ``cs229llm-message``; any other exception is a bug and is
shown as a short red line with class ``cs229llm-error`` (the browser tests fail on it).
"""

from __future__ import annotations

import functools
import html

from IPython.display import HTML, display

from ..errors import InputError


def message_html(text: str, kind: str = "message") -> str:
    """HTML for a note (``kind="message"``) or an internal error (``kind="error"``)."""
    color = "#8a6d00" if kind == "message" else "#b00020"
    return (f'<div class="cs229llm-{kind}" style="color:{color};padding:4px 0">'
            f"{html.escape(text)}</div>")


def safe_callback(output):
    """Decorator for widget callbacks that draw into the ``ipywidgets.Output`` ``output``.

    The callback's own output replaces what was there; errors become messages.
    """

    def decorate(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            output.clear_output(wait=True)
            with output:
                try:
                    return function(*args, **kwargs)
                except InputError as error:
                    display(HTML(message_html(str(error), "message")))
                except Exception as error:  # a bug: say so briefly, in the page
                    display(HTML(message_html(f"internal error in {function.__name__}: "
                                              f"{type(error).__name__}: {error}", "error")))
            return None

        return wrapper

    return decorate
