export { sendMail, listOutbox, resetMailTransport, type Mail } from "./transport";
export { renderMail } from "./render";
export { signInMail } from "./templates/sign-in";
export { icloudAlertMail, type CredentialAlertProps, type IcloudAlertProps } from "./templates/icloud-alert";
export { oauthAlertMail } from "./templates/oauth-alert";
export { caldavAlertMail } from "./templates/caldav-alert";
export { reminderMail, type ReminderProps, type AlertProvider } from "./templates/reminder";
export { appLink, reconnectLink } from "./templates/links";
