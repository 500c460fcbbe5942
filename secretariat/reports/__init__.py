"""Reports: what each kind holds (``sources``) and how it is written as CSV, XLSX
or PDF (``writers``). The services in ``secretariat.reports.services`` ask for them,
build them in a Celery worker and store the file; the pages and the API in this
package let people ask for them and download them."""
