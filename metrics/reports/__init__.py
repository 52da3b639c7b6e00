"""The annual report: its contents (builder) written as PDF, Excel or CSV, and the export jobs."""
