/*
 * The XLSX baseline for samples/bench/30-render.sh: writes the same N x 8 table as `baton bench-xlsx`
 * (same cells, formats, frozen bold header, autofilter, constant-memory mode) calling libxlsxwriter
 * directly, so the difference between the two is the cost of Baton's Swift layer.
 *
 *   cc -O2 -o xlsx_limit xlsx_limit.c -lxlsxwriter && ./xlsx_limit 1000000 out.xlsx
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <xlsxwriter.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s ROWS OUT.xlsx\n", argv[0]); return 64; }
    long rows = atol(argv[1]);
    const char *services[] = {"onboarding", "offboarding", "laptop-repair", "purchase-request", "access-request"};
    const char *steps[] = {"hr-review", "it-access", "equipment", "approval", "ship"};
    const char *labels[] = {"Ticket", "Service", "Step", "Ready at", "Age", "Threshold", "Attempt", "Flow efficiency"};

    double started = now();
    lxw_workbook_options options = {.constant_memory = LXW_TRUE, .tmpdir = NULL, .use_zip64 = LXW_TRUE};
    lxw_workbook *wb = workbook_new_opt(argv[2], &options);
    if (!wb) { fprintf(stderr, "cannot create %s\n", argv[2]); return 1; }
    lxw_worksheet *ws = workbook_add_worksheet(wb, "bench");
    lxw_format *header = workbook_add_format(wb);
    format_set_bold(header);
    format_set_bottom(header, LXW_BORDER_THIN);
    lxw_format *date = workbook_add_format(wb);
    format_set_num_format(date, "yyyy-mm-dd hh:mm:ss");
    lxw_format *hours = workbook_add_format(wb);
    format_set_num_format(hours, "0.00");
    lxw_format *count = workbook_add_format(wb);
    format_set_num_format(count, "0");
    lxw_format *ratio = workbook_add_format(wb);
    format_set_num_format(ratio, "0.0%");

    for (int c = 0; c < 8; c++) worksheet_set_column(ws, c, c, c == 3 ? 21 : 14, NULL);
    worksheet_freeze_panes(ws, 1, 0);
    for (int c = 0; c < 8; c++) worksheet_write_string(ws, 0, c, labels[c], header);

    char id[32];
    for (long i = 0; i < rows; i++) {
        lxw_row_t r = (lxw_row_t)(i + 1);
        snprintf(id, sizeof id, "T-%ld", 100000 + i);
        worksheet_write_string(ws, r, 0, id, NULL);
        worksheet_write_string(ws, r, 1, services[i % 5], NULL);
        worksheet_write_string(ws, r, 2, steps[(i / 5) % 5], NULL);
        worksheet_write_number(ws, r, 3, (1767225600.0 + i * 37.0) / 86400.0 + 25569.0, date);
        worksheet_write_number(ws, r, 4, (double)(i % 1000) / 8, hours);
        worksheet_write_number(ws, r, 5, 72, hours);
        worksheet_write_number(ws, r, 6, (double)(1 + i % 3), count);
        worksheet_write_number(ws, r, 7, (double)(i % 100) / 100, ratio);
    }
    worksheet_autofilter(ws, 0, 0, (lxw_row_t)(rows > 0 ? rows : 1), 7);
    lxw_error err = workbook_close(wb);
    if (err != LXW_NO_ERROR) { fprintf(stderr, "cannot write %s: %s\n", argv[2], lxw_strerror(err)); return 1; }
    double seconds = now() - started;
    printf("rows %ld seconds %.3f rows_per_second %.0f\n", rows, seconds, rows / (seconds > 0 ? seconds : 1e-9));
    return 0;
}
