"""CSV and XLSX imports of customers, contacts, invoices and payments."""
