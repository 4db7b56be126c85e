export { sendMail, listOutbox, resetMailTransport, type Mail } from "./transport";
export { signInMail } from "./templates/sign-in";
