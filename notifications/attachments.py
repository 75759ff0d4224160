"""Files an email carries with a kind of notification (the weekly report's workbook), built when it is sent.

The app that owns a kind registers its builder in its AppConfig.ready; a builder takes the notification
and returns [(filename, content bytes, mimetype)].
"""

_builders = {}


def register(kind, builder):
    _builders[kind] = builder


def attachments_for(notification) -> list[tuple[str, bytes, str]]:
    builder = _builders.get(notification.kind)
    return builder(notification) if builder else []
