"""Printed progress reports for therapists (identified, audited): PDF through Qt."""
