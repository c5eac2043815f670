"""The shared kit of pages and API lists: pagination, Excel exports, upload checks, the pagination template.

It sits below every app and imports none of them (see docs/architecture.md); the top page, the layout and the
menu that name every app stay in ``lanqing.web``.
"""
