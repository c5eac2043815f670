"""The registry workbook: units, enterprises, sites, points and devices in one .xlsx, imported as a whole.

It writes both organisation and monitoring records, so it sits above both apps.
"""
