/**
 * The exit status of a start that was refused (a bad setting, a taken port, a damaged
 * database, a data folder in use): EX_CONFIG of sysexits.h. Apart from 1, which Node itself
 * exits with on a crash, so that a supervisor can restart after a crash and not loop on a
 * refusal (examples/muster.service: RestartPreventExitStatus=78).
 */
export const EXIT_REFUSED = 78;
