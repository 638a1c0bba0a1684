"""Writers: turn analysis DataFrames into files for a write-up (.docx .xlsx .csv .md .png) and
for other tools (REFI-QDA .qdpx/.qdc). Writers compute nothing of their own; heavy libraries
(python-docx, openpyxl, matplotlib) are imported inside the functions that use them."""
